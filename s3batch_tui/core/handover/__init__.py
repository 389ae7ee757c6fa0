"""Hand a local job over to an S3 Control backend: the entries not done here run there.

`record` keeps the hand-over's progress in the job's directory, `remainder` writes the
entries not done as a CSV manifest, `plan` checks the inputs and says what will happen,
and `run` does it.
"""
