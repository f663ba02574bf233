"""Forms of the suppliers app, one module per concept. Forms check format only; business
rules live in the services, whose DomainError the views put next to the field it names."""
