"""Pure domain logic: schedule maths, timezones, distribution maths. No HTTP, no database."""
