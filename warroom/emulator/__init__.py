"""Vendor API emulators served on loopback: state in ``models``, HTTP in ``responses``.

``httpserver`` holds the stdlib server every emulator shares.
"""
