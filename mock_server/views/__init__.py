"""The wire shapes: stored documents and "now" in, the JSON the admin app reads out."""
