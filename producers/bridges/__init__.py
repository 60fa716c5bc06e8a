"""Bridges from real platforms: their own records in, contract events out, the same every time."""
