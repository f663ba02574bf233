"""The EDI X12 channel's supplier side: trading partner look-ups, the inbound mappers
(855 → acknowledgment, 856 → ASN, 846 → availability, 810 → invoice) and the outbound 850
payload. Registered into `integrations.edi.registry` by `register()` at start-up."""
