"""Vendor API emulators served on loopback, written from the vendors' documents (none imports the integration).

Per vendor: state in ``models``; what stands in front of the API (request log, rate window, authentication,
fault plans) in ``gateway``; routing, bodies and replies in ``responses``. ``httpserver`` holds the stdlib
server every emulator shares, ``faults`` and ``ratelimit`` what both gateways use.
"""
