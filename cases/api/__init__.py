"""Mend's REST API (/api/v1/): the same records, rules and services as the
pages, for scripts and other systems. Described by its OpenAPI schema at
/api/schema/, readable at /api/docs/."""
