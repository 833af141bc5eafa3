"""Where the mock's state lives: the store (MongoDB's API), the state file, the fixtures."""
