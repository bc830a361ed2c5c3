"""License plate recognition: matching plate reads against hotlists."""
