"""certs.py - certificates made at test time (through OpenSSL, by the
`cryptography` package): a CA, and leaf certificates for 127.0.0.1 with
chosen validity, including an expired one."""
import datetime
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class CA:
    def __init__(self, t):
        self.t = t
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (x509.CertificateBuilder().subject_name(_name("slamon test CA"))
                     .issuer_name(_name("slamon test CA")).public_key(self.key.public_key())
                     .serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(days=30))
                     .not_valid_after(now + datetime.timedelta(days=3650))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .sign(self.key, hashes.SHA256()))
        self.path = t.write("ca.pem", self.cert.public_bytes(serialization.Encoding.PEM).decode())

    def leaf(self, name, not_before, not_after):
        """Write NAME.crt and NAME.key, valid [now+not_before, now+not_after]."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1"))
                .issuer_name(self.cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now + not_before).not_valid_after(now + not_after)
                .add_extension(x509.SubjectAlternativeName([
                    x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                    critical=False)
                .sign(self.key, hashes.SHA256()))
        crt = self.t.write(name + ".crt", cert.public_bytes(serialization.Encoding.PEM).decode())
        k = self.t.write(name + ".key", _key_pem(key).decode())
        return crt, k
