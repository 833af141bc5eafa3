"""Proofs about the contract suite itself: mutants it must catch, an independent backend, what it writes and prints."""
