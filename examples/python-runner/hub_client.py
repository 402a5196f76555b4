"""JSON over HTTP to the hub's /api/v1 (PROTOCOL.md section 3), with the protocol's error body turned into HubError."""
import http.client
import ipaddress
import json
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request

from errors import HubError, Unreachable

API = "/api/v1"


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_hub_url(url, insecure):
    """The hub's base URL, or ValueError: plain http is for loopback only, unless the data owner says --insecure."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"hub URL {url!r} is not an http(s) URL, e.g. https://hub.example.org")
    if parts.scheme == "http" and not is_loopback(parts.hostname) and not insecure:
        raise ValueError(f"hub URL {url!r} is plain http to another machine: the token would travel in clear; "
                         "use https, or pass --insecure if you accept that")
    return url.rstrip("/")


def error_of(status, raw):
    """HubError from an error reply; bodies that are not the protocol's error shape still give a readable error."""
    try:
        body = json.loads(raw.decode("utf-8", "replace"))
    except ValueError:
        body = None
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict) and isinstance(err.get("code"), str) and isinstance(err.get("message"), str):
        return HubError(status, err["code"], err["message"])
    return HubError(status, "http_" + str(status), raw[:200].decode("utf-8", "replace"))


class HubClient:
    def __init__(self, base_url, token=None, ca_file=None):
        self.base_url = base_url
        self.token = token
        self.context = ssl.create_default_context(cafile=ca_file) if ca_file else None

    def call(self, method, path, body=None, query=None, timeout=30.0, auth=True):
        """The parsed JSON reply (a dict) of a 2xx answer; HubError for 4xx/5xx; Unreachable when nothing answered."""
        url = self.base_url + API + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode("utf-8")
            headers["content-type"] = "application/json"
        if auth and self.token:
            headers["authorization"] = "Bearer " + self.token
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self.context) as res:
                raw = res.read()
        except urllib.error.HTTPError as e:
            try:
                raw = e.read()
            except (OSError, http.client.HTTPException):
                raw = b""
            raise error_of(e.code, raw) from None
        except (urllib.error.URLError, OSError, socket.timeout, http.client.HTTPException) as e:
            raise Unreachable(f"{method} {url}: {getattr(e, 'reason', e)}") from None
        try:
            reply = json.loads(raw.decode("utf-8"))
        except ValueError:
            raise HubError(200, "bad_reply", f"{method} {path} answered with something that is not JSON") from None
        if not isinstance(reply, dict):
            raise HubError(200, "bad_reply", f"{method} {path} answered with JSON that is not an object")
        return reply
