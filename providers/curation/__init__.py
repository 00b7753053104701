"""Curation: what owners and moderators do to listings.

- `forms`, `views`: the public self-service (submit a listing, update it by magic link,
  report an error), with `links` (magic links) and `emails` (every message sent);
- `snapshots`: a listing's editable state as data (what a revision proposes);
- `decisions`, `queue`, `merge`, `imports`, `admin_views`: the moderators' work;
- `staleness`, `liveness`: the scheduled jobs (`remind_stale`, `check_websites`);
- `roles`: the moderators' permissions.
"""
