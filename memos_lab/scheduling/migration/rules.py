"""Import every rule module, so that each registers itself."""

from memos_lab.scheduling.migration import demote_cold, distil_stable, expire_ttl, promote_hot, undistil  # noqa: F401
