"""A real Dovecot (Debian's `dovecot-imapd`) for the test process: its own config, a passwd-file
user and Maildirs in a temporary directory, on a free loopback port; no system service.

Started as the test's own user; as root it runs its processes as Debian's `dovecot` and `dovenull`
users, as Dovecot requires. Under CI=true a missing Dovecot fails the test, elsewhere it skips.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.databases import in_ci
from tests.fakes.live import free_port

DOVECOT = "/usr/sbin/dovecot"
USER = "support@desk.test"
PASSWORD = "mailbox-secret"


def _identities() -> tuple[str, str, str, int, int]:
    """(internal user, internal group, login user, mail uid, mail gid)."""
    if os.getuid() != 0:
        me = pwd.getpwuid(os.getuid())
        import grp

        group = grp.getgrgid(os.getgid()).gr_name
        return me.pw_name, group, me.pw_name, os.getuid(), os.getgid()
    internal = pwd.getpwnam("dovecot")
    login = pwd.getpwnam("dovenull")
    import grp

    return (
        internal.pw_name,
        grp.getgrgid(internal.pw_gid).gr_name,
        login.pw_name,
        internal.pw_uid,
        internal.pw_gid,
    )


CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with `cryptography`."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


class Dovecot:
    """`tls=True`: STARTTLS on the IMAP port and TLS from the first byte on `tls_port`, with a
    self-signed certificate (`cert`) that the test's SSL context trusts."""

    def __init__(self, *, tls: bool = False, port: int | None = None) -> None:
        if not Path(DOVECOT).exists():
            message = f"{DOVECOT} is missing (apt-get install dovecot-imapd; scripts/test does it)"
            if in_ci():
                pytest.fail(message)
            pytest.skip(message)
        # Dovecot's own users must reach the Maildir: not under pytest's 0700 base directory.
        self.root = Path(tempfile.mkdtemp(prefix="adk-dovecot-"))
        self.root.chmod(0o755)
        internal, group, login, uid, gid = _identities()
        self.port = port or free_port()
        self.tls_port = free_port() if tls else 0
        self.cert: Path | None = None
        ssl_config = "ssl = no"
        if tls:
            self.cert, key = _self_signed(self.root)
            ssl_config = f"ssl = yes\nssl_cert = <{self.cert}\nssl_key = <{key}"
        for name in ("run", "state", "mail", "home"):
            (self.root / name).mkdir()
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        for name in ("mail", "home"):
            os.chown(self.root / name, uid, gid)
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(
                root=self.root,
                internal=internal,
                group=group,
                login=login,
                uid=uid,
                gid=gid,
                port=self.port,
                tls_port=self.tls_port,
                ssl=ssl_config,
            )
        )
        subprocess.run([DOVECOT, "-c", str(self.root / "dovecot.conf")], check=True)
        self.url = f"imap://{USER.replace('@', '%40')}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"
        self.tls_url = f"imaps://{USER.replace('@', '%40')}:{PASSWORD}@127.0.0.1:{self.tls_port}/INBOX"
        deadline = time.monotonic() + 20
        while True:
            try:
                self.client().logout()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Dovecot did not start: {self.log()}") from None
                time.sleep(0.1)

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        client.select_folder("INBOX")
        return client

    def deliver(self, raw: bytes) -> None:
        """Put a mail in the support mailbox, unseen, as the MX would."""
        client = self.client()
        try:
            client.append("INBOX", raw)
        finally:
            client.logout()

    def unseen(self) -> int:
        client = self.client()
        try:
            return len(client.search(["UNSEEN"]))
        finally:
            client.logout()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def close(self) -> None:
        pid_file = self.root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        shutil.rmtree(self.root, ignore_errors=True)
