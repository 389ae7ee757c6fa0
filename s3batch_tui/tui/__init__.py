"""The Textual front end. It renders state and sends requests; the core does the work."""
