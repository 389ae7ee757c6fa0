"""A lean request path for the hot per-object operations (awscrt HTTP + SigV4).

boto3 spends about 1.2 ms of client CPU per request in botocore's generic machinery;
this path sends the same requests for about a tenth of that. What it does not cover
falls back to boto3 per operation (see `choice.py`).
"""
