"""GS1 keys, Application Identifiers, element strings and Digital Link URIs. Pure rules."""
