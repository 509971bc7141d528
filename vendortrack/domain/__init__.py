"""Pure domain logic: no Flask, no SQLAlchemy. Everything here takes plain data (and *today*)."""
