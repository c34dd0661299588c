"""Keys sandex's own ASGI layers put in a request's scope for the layers inside them."""

from __future__ import annotations

# The request body the body bound (`transport/body_limit.py`) has already read, for apps that can
# take it from the scope (`transport/okx/fastlane.BufferedRequest`) instead of a replayed `receive`.
BODY_READ = "sandex.body"
