"""What moves by itself: the simulated clock, and the runner that executes due slots."""
