"""URL converters."""

MAX_ID = 2**63 - 1


class ObjectIdConverter:
    """A database id: 1 to 18 digits. A longer number cannot be an id (and would overflow SQLite's
    integers into a server error), so it does not match and the request answers 404."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(int(value))
