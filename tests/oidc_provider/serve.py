"""Run the test OpenID Connect provider: `python -m tests.oidc_provider.serve DB`.

It binds a free port on 127.0.0.1 first (its address is its issuer), migrates
its SQLite database, then prints "READY <issuer>" and serves until killed.
The setup token and secret key come from the environment.
"""

import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def main() -> None:
    # Bound before anything else, so the port is ours from the start.
    server = Server(("127.0.0.1", 0), QuietHandler)
    port = server.server_address[1]
    issuer = f"http://127.0.0.1:{port}/o"
    os.environ["PROVIDER_ISSUER"] = issuer
    os.environ["PROVIDER_DATABASE"] = sys.argv[1]
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"

    import django
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    server.set_app(get_wsgi_application())
    print(f"READY {issuer}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
