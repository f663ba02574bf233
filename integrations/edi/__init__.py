"""The EDI X12 channel's trading-partner-independent parts (issue 10): intake of partner
files with duplicate detection and 997 answers, the 850 renderer, control numbers, and
the registry through which `suppliers` plugs in its partners and mappers at start-up
(`integrations` imports no domain app, DESIGN §2).
"""
