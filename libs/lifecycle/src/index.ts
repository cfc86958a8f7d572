// The delivery lifecycle every message shape follows: filled in by the next commits.
