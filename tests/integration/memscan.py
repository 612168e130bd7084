# memscan.py [--rsa KEYFILE]... [--raw NAME=HEX]... PID...: count, in each
# process's readable memory, the secrets of the given keys.
#
# For an RSA key (PEM): d, p, q and, as a control, the public modulus n, as
# big-endian bytes (as in DER) and as little-endian bytes (how BoringSSL's
# BIGNUMs store them: 64-bit words, least significant first), and two lines
# of the key file's PEM text.  For --raw, the bytes HEX as they are.  Prints
# one line per process: "pid=P scanned=BYTES name=count ...", where names are
# PREFIX.d-be, PREFIX.d-le, ..., PREFIX.pem-a (PREFIX: the key file's base
# name without .key) and the --raw names.
import os, re, subprocess, sys

needles = {}
args = sys.argv[1:]
pids = []
while args:
    a = args.pop(0)
    if a == "--rsa":
        path = args.pop(0)
        prefix = os.path.basename(path).removesuffix(".key")
        text = subprocess.run(["openssl", "rsa", "-in", path, "-noout", "-text"],
                              check=True, capture_output=True, text=True).stdout
        nums, cur = {}, None
        for line in text.splitlines():
            m = re.match(r"^(modulus|privateExponent|prime1|prime2):\s*$", line)
            if m:
                cur = m.group(1); nums[cur] = ""; continue
            if cur and re.match(r"^\s+[0-9a-f:]+$", line):
                nums[cur] += line.strip().replace(":", ""); continue
            cur = None
        names = {"privateExponent": "d", "prime1": "p", "prime2": "q", "modulus": "n"}
        for k, short in names.items():
            b = bytes.fromhex(nums[k]).lstrip(b"\0")
            assert len(b) >= 100, (k, len(b))
            needles[f"{prefix}.{short}-be"] = b
            needles[f"{prefix}.{short}-le"] = b[::-1]
        pem = [l for l in open(path).read().splitlines() if l and not l.startswith("-----")]
        needles[f"{prefix}.pem-a"] = pem[len(pem) // 3].encode()
        needles[f"{prefix}.pem-b"] = pem[2 * len(pem) // 3].encode()
    elif a == "--raw":
        name, hexval = args.pop(0).split("=", 1)
        b = bytes.fromhex(hexval)
        assert len(b) >= 16, name
        needles[name] = b
    else:
        pids.append(a)

longest = max(len(v) for v in needles.values())
CHUNK = 8 << 20
for pid in pids:
    hits = dict.fromkeys(needles, 0)
    scanned = 0
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            f = line.split()
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            if f[1][0] != "r" or (len(f) > 5 and f[5] in ("[vvar]", "[vsyscall]")):
                continue
            tail, off = b"", lo
            while off < hi:
                try:
                    mem.seek(off)
                    data = mem.read(min(CHUNK, hi - off))
                except OSError:
                    break
                if not data:
                    break
                buf = tail + data
                for k, v in needles.items():
                    hits[k] += buf.count(v)
                scanned += len(data)
                tail = buf[-(longest - 1):]
                off += len(data)
    print(f"pid={pid} scanned={scanned} " + " ".join(f"{k}={v}" for k, v in sorted(hits.items())))
