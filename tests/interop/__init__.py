"""Helpers of the TypeScript interop tests (Node drivers live next to them)."""
