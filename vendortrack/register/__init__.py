"""The Register of Information export (issue 14): the organisation setting, the adapter from
the database to the domain records, the page, the API and their links to the fixing fields.

The rules themselves live in :mod:`vendortrack.domain.register_of_information`.
"""
