"""The local stand-in for the Cortex XSOAR server (war room, context, polling) and for the vendor APIs."""
