"""gunicorn's settings for this app; read by `make run` (serve.py) and by `gunicorn wsgi:app` run from here.

The access log names the path of each request, never its query string or
referrer: the authorization endpoint's queries carry state and PKCE
challenges, a token sent in a URL is in its query (and is revoked for it,
oauth/leaked.py), and a referrer is another page's whole URL, query and all.
So the request line is written as method, path and protocol (gunicorn's
`%(r)s` would be the raw URI, query included).
"""

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
