"""Licence rules of the corpus builder (issue 3, "Corpus builder": keep only permissive licences).

A source is kept when its licence normalises to one of PERMISSIVE: the ``license`` field of an npm package's
package.json, or a Debian package's copyright file (the DEP-5 ``Files: *`` stanza, else the declared
licence when its text is recognisable there). ``A or B`` needs one permissive alternative, ``A and B`` all.
"""
import re

PERMISSIVE = {"MIT", "BSD-2-Clause", "BSD-3-Clause", "BSD", "Apache-2.0", "PSF-2.0", "ISC", "0BSD"}


def normalise_licence(s):
    """Map one licence expression to an SPDX-like id of PERMISSIVE, or return None."""
    if not s:
        return None
    s = s.strip().strip("()")
    low = s.lower()
    if " or " in low:  # any permissive alternative is enough
        for alt in re.split(r"\s+or\s+", s, flags=re.I):
            n = normalise_licence(alt)
            if n:
                return n
        return None
    if " and " in low:  # every part must be permissive
        parts = [normalise_licence(p) for p in re.split(r"\s+and\s+", s, flags=re.I)]
        return parts[0] if all(parts) else None
    low = low.replace("_", "-").replace(" ", "-")
    if low in ("mit", "expat", "mit-license", "x11"):
        return "MIT"
    if low.startswith("bsd-3") or low in ("bsd-3-clause", "modified-bsd", "new-bsd"):
        return "BSD-3-Clause"
    if low.startswith("bsd-2") or low in ("simplified-bsd", "freebsd"):
        return "BSD-2-Clause"
    if low in ("bsd", "bsd-like", "bsd-style"):
        return "BSD"
    if low in ("0bsd",):
        return "0BSD"
    if low.startswith("apache-2") or low in ("apache", "apache2", "apache-license-2.0"):
        return "Apache-2.0"
    if low.startswith("psf") or low.startswith("python") or low.startswith("cnri-python"):
        return "PSF-2.0"
    if low == "isc":
        return "ISC"
    return None


def debian_licence(copyright_text, declared):
    """Return (licence or None, evidence string) from a Debian copyright file."""
    text = copyright_text
    if text.lstrip().lower().startswith("format:"):
        for stanza in re.split(r"\n\s*\n", text):
            m = re.search(r"^Files:\s*(.*(?:\n[ \t]+.*)*)", stanza, flags=re.M)
            if not m:
                continue
            files = m.group(1).split()
            if "*" not in files:
                continue
            lm = re.search(r"^License:\s*(.*)$", stanza, flags=re.M)
            if lm:
                raw = lm.group(1).strip()
                return normalise_licence(raw), "DEP-5 Files: * License: " + raw
    # Not machine readable: accept the declared licence only when its text is recognisable.
    keys = {
        "MIT": "Permission is hereby granted, free of charge",
        "BSD-3-Clause": "Redistribution and use in source and binary forms",
        "BSD-2-Clause": "Redistribution and use in source and binary forms",
        "Apache-2.0": "Apache License",
        "PSF-2.0": "PYTHON SOFTWARE FOUNDATION LICENSE",
        "ISC": "Permission to use, copy, modify, and/or distribute",
    }
    n = normalise_licence(declared)
    if n and keys.get(n, "\0") in text:
        return n, "licence text found in copyright (declared %s)" % declared
    return None, "no recognisable permissive licence in copyright"
