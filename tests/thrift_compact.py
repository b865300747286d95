"""Thrift compact protocol, as Parquet writes its footers and page headers: just enough for the
tests to read, edit and write them (a struct is ("struct", [[field id, type, value], ...]), a
list ("list", element type, [values])), so that what they check is found without our reader.
Shared by tests/cli/lying_footers.py, tests/python/test_page_index.py and test_split.py."""
import struct


def varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, i


def put_varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def unzig(v):
    return (v >> 1) ^ -(v & 1)


def zig(v):
    return (v << 1) ^ (v >> 63)


def read_value(b, i, t):
    if t in (1, 2):  # bool true / false inside a struct field header
        return t == 1, i
    if t == 3:
        return struct.unpack_from("b", b, i)[0], i + 1
    if t in (4, 5, 6):
        v, i = varint(b, i)
        return unzig(v), i
    if t == 7:
        return struct.unpack_from("<d", b, i)[0], i + 8
    if t == 8:
        n, i = varint(b, i)
        return bytes(b[i:i + n]), i + n
    if t in (9, 10):
        h = b[i]
        i += 1
        n, et = h >> 4, h & 0x0F
        if n == 15:
            n, i = varint(b, i)
        items = []
        for _ in range(n):
            if et in (1, 2):
                items.append(b[i] == 1)
                i += 1
            else:
                v, i = read_value(b, i, et)
                items.append(v)
        return ("list", et, items), i
    if t == 12:
        return read_struct(b, i)
    raise ValueError("thrift type %d" % t)


def read_struct(b, i):
    fields, last = [], 0
    while True:
        h = b[i]
        i += 1
        if h == 0:
            return ("struct", fields), i
        delta, t = h >> 4, h & 0x0F
        if delta:
            fid = last + delta
        else:
            fid, i = varint(b, i)
            fid = unzig(fid)
        v, i = read_value(b, i, t)
        fields.append([fid, t, v])
        last = fid


def write_value(t, v):
    if t in (1, 2):
        return b""
    if t == 3:
        return struct.pack("b", v)
    if t in (4, 5, 6):
        return put_varint(zig(v))
    if t == 7:
        return struct.pack("<d", v)
    if t == 8:
        return put_varint(len(v)) + v
    if t in (9, 10):
        _, et, items = v
        out = bytearray([(len(items) << 4 | et) if len(items) < 15 else (0xF0 | et)])
        if len(items) >= 15:
            out += put_varint(len(items))
        for it in items:
            out += bytes([1 if it else 2]) if et in (1, 2) else write_value(et, it)
        return bytes(out)
    if t == 12:
        return write_struct(v)
    raise ValueError(t)


def write_struct(s):
    out, last = bytearray(), 0
    for fid, t, v in s[1]:
        wt = (1 if v else 2) if t in (1, 2) else t
        if 0 < fid - last <= 15:
            out.append((fid - last) << 4 | wt)
        else:
            out.append(wt)
            out += put_varint(zig(fid))
        out += write_value(t, v)
        last = fid
    out.append(0)
    return bytes(out)


def field(s, fid):
    return next(f for f in s[1] if f[0] == fid)


def value(s, fid, default=None):
    """The value of field fid of struct s, or default when s lacks it."""
    return next((f[2] for f in s[1] if f[0] == fid), default)


def page_headers(data, start, end):
    """(offset, header end, header struct) of each page of the column chunk in data[start:end)
    (PageHeader: 1 type, 2 uncompressed size, 3 compressed size, 5 v1, 7 dictionary, 8 v2)."""
    pages, pos = [], start
    while pos < end:
        header, body = read_struct(data, pos)
        pages.append((pos, body, header))
        pos = body + value(header, 3)
    return pages
