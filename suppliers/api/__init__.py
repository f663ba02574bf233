"""REST API v1 endpoints of the suppliers app (issue 9): purchase orders, acknowledgments,
ASNs and milestones, availability, receipts, and the supplier-scoped events feed. One view
per operation; each has its own input and output serializers; all writes call
`suppliers.services`, exactly as the pages do."""
