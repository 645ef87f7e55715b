"""Reference pictures, per picture (Python, not hot): the decoded picture buffer.

Normative processes of H.265, shared by the decoder and the encoder:

* 8.3.1   picture order count (PicOrderCntMsb, prevTid0Pic)            ``derive_poc``
* 8.3.2   reference picture set: the five POC lists (8-5) and marking   ``rps_poc_lists``, ``Dpb``
* 8.3.3   "no reference picture" generation (only on request)          ``Dpb(generate_missing=...)``
* 8.3.4   reference picture lists, incl. ref_pic_lists_modification    ``build_ref_pic_lists``
* C.5.2.2 output and removal of pictures before decoding a picture ("bumping")
* C.5.2.3 marking, additional bumping and storage of the current picture
* C.5.2.4 bumping

Decoder use (one call per picture, plus one per further slice)::

    dpb = Dpb()
    r = dpb.start_picture(sps, pps, sh, nal_unit_type, temporal_id)
    if r is None: skip the picture (RASL picture of a CRA that starts the stream, or a
                  picture before the first IRAP picture, as HM's decoder does)
    pic, L0, L1 = r              # pic: the new DpbPicture; L0/L1: lists of DpbPicture
    ... decode the slice into pic.planes / pic.meta ...
    L0, L1 = dpb.ref_lists(sh2)  # a further independent slice of the same picture (a
                                 # dependent slice segment keeps its slice's lists)
    dpb.store(pic)               # C.5.2.3: into the DPB, marked short-term
    for out in dpb.output_ready(): write out.planes (cropping is the caller's)
    ...
    dpb.end_of_sequence()        # an EOS NAL unit: output everything, next picture starts a CVS
    for out in dpb.flush(): ...  # end of the bitstream

A ``DpbPicture`` holds generic attributes only: ``planes`` and ``meta`` (set by the caller),
``poc``, the marking (``is_reference``, ``is_long_term``) and, for temporal MV prediction,
the POCs of its own reference picture lists and whether each was long-term when the
picture was decoded (``ref_pocs``/``ref_is_long_term`` for the first slice, ``slice_refs``
for every slice).

The encoder builds its lists with the same functions (``rps_poc_lists``,
``build_ref_pic_lists``), so encoder and decoder agree by construction.
"""
from __future__ import annotations

from .bitstream import (BitstreamError, CRA_NUT, is_bla, is_idr, is_irap, is_rasl, is_radl,
                        is_sub_layer_non_reference)
from .syntax.slice_header import B_SLICE, I_SLICE

__all__ = ["UNUSED", "SHORT_TERM", "LONG_TERM", "DpbPicture", "RefPicSet", "Dpb", "derive_poc",
           "rps_poc_lists", "build_ref_pic_lists"]

# marking of a picture (8.3.2)
UNUSED = 0          # "unused for reference"
SHORT_TERM = 1      # "used for short-term reference"
LONG_TERM = 2       # "used for long-term reference"


# ---------------------------------------------------------------------------------------------
# 8.3.1 Decoding process for picture order count
# ---------------------------------------------------------------------------------------------

def derive_poc(slice_pic_order_cnt_lsb: int, MaxPicOrderCntLsb: int, prevPicOrderCntLsb: int,
               prevPicOrderCntMsb: int, irap_with_no_rasl_output: bool) -> tuple[int, int]:
    """(PicOrderCntVal, PicOrderCntMsb) per (8-1) and (8-2).  prevPicOrderCnt* come from
    prevTid0Pic; irap_with_no_rasl_output: the current picture is an IRAP picture with
    NoRaslOutputFlag equal to 1 (PicOrderCntMsb = 0)."""
    lsb = slice_pic_order_cnt_lsb
    if irap_with_no_rasl_output:
        msb = 0
    elif lsb < prevPicOrderCntLsb and prevPicOrderCntLsb - lsb >= MaxPicOrderCntLsb // 2:
        msb = prevPicOrderCntMsb + MaxPicOrderCntLsb
    elif lsb > prevPicOrderCntLsb and lsb - prevPicOrderCntLsb > MaxPicOrderCntLsb // 2:
        msb = prevPicOrderCntMsb - MaxPicOrderCntLsb
    else:
        msb = prevPicOrderCntMsb
    return msb + lsb, msb


# ---------------------------------------------------------------------------------------------
# 8.3.2: the POC lists of the reference picture set
# ---------------------------------------------------------------------------------------------

class RefPicSet:
    """The five POC lists of (8-5) plus the delta_poc_msb_present flags of the long-term ones,
    and (once resolved against a DPB) the five picture lists RefPicSetStCurrBefore, ...
    (entries None for "no reference picture")."""

    def __init__(self):
        self.PocStCurrBefore: list[int] = []
        self.PocStCurrAfter: list[int] = []
        self.PocStFoll: list[int] = []
        self.PocLtCurr: list[int] = []
        self.PocLtFoll: list[int] = []
        self.CurrDeltaPocMsbPresentFlag: list[int] = []
        self.FollDeltaPocMsbPresentFlag: list[int] = []
        self.StCurrBefore: list = []
        self.StCurrAfter: list = []
        self.StFoll: list = []
        self.LtCurr: list = []
        self.LtFoll: list = []

    @property
    def NumPicTotalCurr(self) -> int:
        """(7-55) without pps_curr_pic_ref_enabled_flag."""
        return len(self.PocStCurrBefore) + len(self.PocStCurrAfter) + len(self.PocLtCurr)

    def __repr__(self):
        return (f"RefPicSet(StCurrBefore={self.PocStCurrBefore}, StCurrAfter={self.PocStCurrAfter}, "
                f"StFoll={self.PocStFoll}, LtCurr={self.PocLtCurr}, LtFoll={self.PocLtFoll})")


def rps_poc_lists(poc: int, st_rps, long_term=(), MaxPicOrderCntLsb: int = 256) -> RefPicSet:
    """(8-5): the POC lists of the current picture's RPS.  st_rps: a derived StRps (or None:
    empty); long_term: [(PocLsbLt, UsedByCurrPicLt, delta_poc_msb_present_flag,
    DeltaPocMsbCycleLt)] as SliceHeader.long_term_pics() returns them."""
    r = RefPicSet()
    if st_rps is not None:
        for d, u in zip(st_rps.DeltaPocS0, st_rps.UsedByCurrPicS0):
            (r.PocStCurrBefore if u else r.PocStFoll).append(poc + d)
        for d, u in zip(st_rps.DeltaPocS1, st_rps.UsedByCurrPicS1):
            (r.PocStCurrAfter if u else r.PocStFoll).append(poc + d)
    for lsb, used, msb_present, cycle in long_term:
        pocLt = lsb
        if msb_present:
            pocLt += poc - cycle * MaxPicOrderCntLsb - (poc & (MaxPicOrderCntLsb - 1))
        if used:
            r.PocLtCurr.append(pocLt)
            r.CurrDeltaPocMsbPresentFlag.append(msb_present)
        else:
            r.PocLtFoll.append(pocLt)
            r.FollDeltaPocMsbPresentFlag.append(msb_present)
    return r


# ---------------------------------------------------------------------------------------------
# 8.3.4 Decoding process for reference picture lists construction
# ---------------------------------------------------------------------------------------------

def build_ref_pic_lists(slice_type: int, st_curr_before: list, st_curr_after: list, lt_curr: list,
                        num_ref_idx_l0_active: int, num_ref_idx_l1_active: int,
                        list_entry_l0=None, list_entry_l1=None):
    """RefPicList0 / RefPicList1 per (8-8) .. (8-11).  The items of the three RPS lists may be
    anything (POCs, DPB pictures).  list_entry_lX: the slice's list_entry_lX when
    ref_pic_list_modification_flag_lX is 1, else None.

    Returns (L0, L1, lt0, lt1): lists of items and, per entry, whether it came from
    RefPicSetLtCurr (i.e. is a long-term reference picture).  L1 is empty unless B."""
    if slice_type == I_SLICE:
        return [], [], [], []
    total = len(st_curr_before) + len(st_curr_after) + len(lt_curr)
    if total == 0:
        raise BitstreamError("P/B slice with NumPicTotalCurr == 0")
    tagged = ([(p, False) for p in st_curr_before], [(p, False) for p in st_curr_after],
              [(p, True) for p in lt_curr])

    def one_list(order, num_active, entries):
        n_temp = max(num_active, total)          # NumRpsCurrTempListX (8-8 / 8-10)
        temp = []
        while len(temp) < n_temp:
            for part in order:
                for item in part:
                    if len(temp) < n_temp:
                        temp.append(item)
        out = []
        for i in range(num_active):
            j = entries[i] if entries is not None else i
            if not 0 <= j < n_temp:
                raise BitstreamError(f"list_entry {j} out of range (NumPicTotalCurr {total})")
            out.append(temp[j])
        return [p for p, _ in out], [lt for _, lt in out]

    L0, lt0 = one_list(tagged, num_ref_idx_l0_active, list_entry_l0)
    if slice_type != B_SLICE:
        return L0, [], lt0, []
    L1, lt1 = one_list((tagged[1], tagged[0], tagged[2]), num_ref_idx_l1_active, list_entry_l1)
    return L0, L1, lt0, lt1


# ---------------------------------------------------------------------------------------------
# The DPB
# ---------------------------------------------------------------------------------------------

class DpbPicture:
    """One picture of the DPB (or the picture being decoded).  Generic attributes:

    poc, PicOrderCntMsb, slice_pic_order_cnt_lsb, nal_unit_type, temporal_id, slice_type (of
    the first slice), decode_index (0, 1, ... in decoding order), marking (UNUSED /
    SHORT_TERM / LONG_TERM), needed_for_output, pic_output_flag (PicOutputFlag),
    pic_latency_count, generated (a "no reference picture" of 8.3.3), planes and meta (set by
    the caller), ref_pocs = (POCs of RefPicList0, of RefPicList1) and ref_is_long_term (same
    shape, bools) of the first slice, slice_refs = [(ref_pocs, ref_is_long_term)] per slice.
    """

    def __init__(self, poc=0, **kw):
        self.poc = poc
        self.PicOrderCntMsb = 0
        self.slice_pic_order_cnt_lsb = 0
        self.nal_unit_type = 0
        self.temporal_id = 0
        self.slice_type = I_SLICE
        self.decode_index = -1
        self.marking = UNUSED
        self.needed_for_output = False
        self.pic_output_flag = 1
        self.pic_latency_count = 0
        self.generated = False
        self.planes = None
        self.meta = None
        self.ref_pocs = ([], [])
        self.ref_is_long_term = ([], [])
        self.slice_refs = []
        for k, v in kw.items():
            setattr(self, k, v)

    @property
    def is_reference(self) -> bool:
        return self.marking != UNUSED

    @property
    def is_long_term(self) -> bool:
        return self.marking == LONG_TERM

    def __repr__(self):
        m = "USL"[self.marking]
        return f"DpbPicture(poc={self.poc}, marking={m}, out={int(self.needed_for_output)})"


class Dpb:
    """Decoder-side DPB (H.265 8.3.1, 8.3.2, 8.3.4, C.5.2).  See the module docstring.

    highest_tid: HighestTid for the sps_max_* arrays (None: the SPS's highest sub-layer).
    generate_missing: None (a missing reference picture in StCurrBefore/StCurrAfter/LtCurr is
    a BitstreamError) or a callable(sps, poc) -> planes used to generate a "no reference
    picture" (8.3.3.2) in its place; generated pictures are never output.
    """

    def __init__(self, highest_tid: int | None = None, generate_missing=None):
        self.highest_tid = highest_tid
        self.generate_missing = generate_missing
        self.pictures: list[DpbPicture] = []     # the DPB (decoded pictures, incl. generated)
        self._out: list[DpbPicture] = []          # bumped, not yet taken by output_ready()
        self.first_in_sequence = True             # next picture is first in the bitstream / after EOS
        self.NoRaslOutputFlag = 1                 # of the associated IRAP picture
        self.prevPicOrderCntLsb = 0
        self.prevPicOrderCntMsb = 0
        self.decode_count = 0
        self.skipped: list[tuple[int, int]] = []  # (nal_unit_type, slice_pic_order_cnt_lsb)
        self.current: DpbPicture | None = None
        self.rps: RefPicSet | None = None
        self._sps = None

    # --- helpers ------------------------------------------------------------------------------
    def _tid(self, sps) -> int:
        t = sps.sps_max_sub_layers_minus1 if self.highest_tid is None else self.highest_tid
        return min(t, len(sps.sps_max_dec_pic_buffering_minus1) - 1)

    def _find(self, pred):
        for p in self.pictures:
            if pred(p):
                return p
        return None

    # --- per picture --------------------------------------------------------------------------
    def start_picture(self, sps, pps, sh, nal_unit_type: int, temporal_id: int = 0):
        """Begin decoding a picture from its first slice segment header: POC (8.3.1), RPS and
        marking (8.3.2), removal/bumping (C.5.2.2) and the first slice's reference picture
        lists (8.3.4).  Returns (DpbPicture, RefPicList0, RefPicList1), or None when the
        picture is not decoded (see the module docstring; it is listed in ``skipped``)."""
        if not sh.first_slice_segment_in_pic_flag:
            raise BitstreamError("a picture must start with first_slice_segment_in_pic_flag = 1")
        if self.current is not None:
            raise RuntimeError("start_picture() before store() of the previous picture")
        nut = nal_unit_type
        irap = is_irap(nut)
        if irap:
            # 8.1.3: HandleCraAsBlaFlag is 0
            self.NoRaslOutputFlag = 1 if (is_idr(nut) or is_bla(nut) or self.first_in_sequence) else 0
        elif self.first_in_sequence:
            self.skipped.append((nut, sh.slice_pic_order_cnt_lsb))      # no IRAP picture yet
            return None
        if is_rasl(nut) and self.NoRaslOutputFlag:
            self.skipped.append((nut, sh.slice_pic_order_cnt_lsb))
            return None
        irap_no_rasl = irap and self.NoRaslOutputFlag == 1
        MaxLsb = sps.MaxPicOrderCntLsb

        # 8.3.1
        lsb = 0 if is_idr(nut) else sh.slice_pic_order_cnt_lsb
        poc, msb = derive_poc(lsb, MaxLsb, self.prevPicOrderCntLsb, self.prevPicOrderCntMsb, irap_no_rasl)
        if temporal_id == 0 and not (is_rasl(nut) or is_radl(nut) or is_sub_layer_non_reference(nut)):
            self.prevPicOrderCntLsb, self.prevPicOrderCntMsb = poc & (MaxLsb - 1), msb

        pic = DpbPicture(poc, PicOrderCntMsb=msb, slice_pic_order_cnt_lsb=lsb, nal_unit_type=nut,
                         temporal_id=temporal_id, slice_type=sh.slice_type,
                         decode_index=self.decode_count)
        # C.5.2.3 / 8.1.3: PicOutputFlag
        pic.pic_output_flag = 0 if (is_rasl(nut) and self.NoRaslOutputFlag) else sh.pic_output_flag

        # 8.3.2
        if irap_no_rasl:
            for p in self.pictures:
                p.marking = UNUSED
        if is_idr(nut):
            rps = RefPicSet()
        else:
            st = sh.st_rps if sh.st_rps is not None else sh.current_st_rps(sps)
            rps = rps_poc_lists(poc, st, sh.long_term_pics(sps), MaxLsb)
        self._resolve_rps(rps, sps, poc, MaxLsb)

        # C.5.2.2
        self._remove_before_decoding(sps, sh, nut, irap_no_rasl)

        self.current, self.rps, self._sps = pic, rps, sps
        self.first_in_sequence = False
        self.decode_count += 1
        L0, L1 = self.ref_lists(sh)
        return pic, L0, L1

    def _resolve_rps(self, rps: RefPicSet, sps, poc: int, MaxLsb: int) -> None:
        """8.3.2: fill the picture lists of rps from the DPB, mark the pictures, and generate
        missing ones where asked (8.3.3)."""
        refs = [p for p in self.pictures if p.is_reference]

        def lt_lookup(pocs, msb_flags):
            out = []
            for pocLt, msb_present in zip(pocs, msb_flags):
                if msb_present:
                    x = next((p for p in refs if p.poc == pocLt), None)
                else:
                    x = next((p for p in refs if (p.poc & (MaxLsb - 1)) == pocLt), None)
                out.append(x)
            return out

        rps.LtCurr = lt_lookup(rps.PocLtCurr, rps.CurrDeltaPocMsbPresentFlag)
        rps.LtFoll = lt_lookup(rps.PocLtFoll, rps.FollDeltaPocMsbPresentFlag)
        for p in rps.LtCurr + rps.LtFoll:
            if p is not None:
                p.marking = LONG_TERM
        st_refs = [p for p in self.pictures if p.marking == SHORT_TERM]

        def st_lookup(pocs):
            return [next((p for p in st_refs if p.poc == q), None) for q in pocs]

        rps.StCurrBefore = st_lookup(rps.PocStCurrBefore)
        rps.StCurrAfter = st_lookup(rps.PocStCurrAfter)
        rps.StFoll = st_lookup(rps.PocStFoll)
        keep = {id(p) for p in rps.StCurrBefore + rps.StCurrAfter + rps.StFoll + rps.LtCurr + rps.LtFoll
                if p is not None}
        for p in self.pictures:
            if id(p) not in keep:
                p.marking = UNUSED
        # missing pictures that the current picture uses
        for name, pocs, lt in (("StCurrBefore", rps.PocStCurrBefore, False),
                               ("StCurrAfter", rps.PocStCurrAfter, False),
                               ("LtCurr", rps.PocLtCurr, True)):
            lst = getattr(rps, name)
            for i, p in enumerate(lst):
                if p is not None:
                    continue
                if self.generate_missing is None:
                    raise BitstreamError(f"picture POC {poc}: reference picture POC {pocs[i]} "
                                         f"(RefPicSet{name}) is not in the DPB")
                g = DpbPicture(pocs[i], generated=True, marking=LONG_TERM if lt else SHORT_TERM,
                               pic_output_flag=0, needed_for_output=False,
                               decode_index=-1)
                g.planes = self.generate_missing(sps, pocs[i])
                self.pictures.append(g)
                lst[i] = g

    def _remove_before_decoding(self, sps, sh, nut: int, irap_no_rasl: bool) -> None:
        """C.5.2.2."""
        if irap_no_rasl and self.decode_count > 0:
            no_output = 1 if nut == CRA_NUT else sh.no_output_of_prior_pics_flag
            if not no_output:
                self.pictures = [p for p in self.pictures if p.needed_for_output]
                while any(p.needed_for_output for p in self.pictures):
                    self._bump()
            self.pictures = []
            return
        self.pictures = [p for p in self.pictures if p.needed_for_output or p.is_reference]
        t = self._tid(sps)
        max_reorder = sps.sps_max_num_reorder_pics[t]
        lat1 = sps.sps_max_latency_increase_plus1[t]
        max_latency = max_reorder + lat1 - 1           # SpsMaxLatencyPictures (7-9)
        size = sps.sps_max_dec_pic_buffering_minus1[t] + 1
        while True:
            waiting = [p for p in self.pictures if p.needed_for_output]
            if not waiting:
                break
            if (len(waiting) > max_reorder
                    or (lat1 and any(p.pic_latency_count >= max_latency for p in waiting))
                    or len(self.pictures) >= size):
                self._bump()
            else:
                break

    def _bump(self) -> None:
        """C.5.2.4: output the picture with the smallest POC; empty its buffer if unused."""
        waiting = [p for p in self.pictures if p.needed_for_output]
        p = min(waiting, key=lambda q: q.poc)
        p.needed_for_output = False
        self._out.append(p)
        if not p.is_reference:
            self.pictures.remove(p)

    def ref_lists(self, sh):
        """8.3.4 for a slice of the current picture: (RefPicList0, RefPicList1) as lists of
        DpbPicture.  Records the lists' POCs and long-term flags in the current picture."""
        if self.current is None:
            raise RuntimeError("ref_lists() outside a picture")
        rps = self.rps
        n0 = sh.num_ref_idx_l0_active_minus1 + 1
        n1 = sh.num_ref_idx_l1_active_minus1 + 1
        e0 = sh.list_entry_l0 if sh.ref_pic_list_modification_flag_l0 else None
        e1 = sh.list_entry_l1 if sh.ref_pic_list_modification_flag_l1 else None
        if sh.slice_type != I_SLICE and rps.NumPicTotalCurr == 0:
            raise BitstreamError(f"picture POC {self.current.poc}: P/B slice with NumPicTotalCurr == 0")
        L0, L1, lt0, lt1 = build_ref_pic_lists(sh.slice_type, rps.StCurrBefore, rps.StCurrAfter,
                                               rps.LtCurr, n0, n1, e0, e1)
        refs = ([p.poc for p in L0], [p.poc for p in L1])
        lts = (lt0, lt1)
        cur = self.current
        if not cur.slice_refs:
            cur.ref_pocs, cur.ref_is_long_term = refs, lts
        cur.slice_refs.append((refs, lts))
        return L0, L1

    def store(self, pic: DpbPicture | None = None) -> None:
        """C.5.2.3: the current (decoded) picture goes into the DPB, marked "used for
        short-term reference"; additional bumping."""
        cur = self.current
        if cur is None or (pic is not None and pic is not cur):
            raise RuntimeError("store() of a picture that start_picture() did not return")
        sps = self._sps
        if cur.pic_output_flag:
            for p in self.pictures:
                if p.needed_for_output and p.poc > cur.poc:
                    p.pic_latency_count += 1
            cur.needed_for_output = True
            cur.pic_latency_count = 0
        cur.marking = SHORT_TERM
        self.pictures.append(cur)
        self.current = self.rps = None
        t = self._tid(sps)
        max_reorder = sps.sps_max_num_reorder_pics[t]
        lat1 = sps.sps_max_latency_increase_plus1[t]
        max_latency = max_reorder + lat1 - 1
        while True:
            waiting = [p for p in self.pictures if p.needed_for_output]
            if waiting and (len(waiting) > max_reorder or
                            (lat1 and any(p.pic_latency_count >= max_latency for p in waiting))):
                self._bump()
            else:
                break

    def output_ready(self) -> list[DpbPicture]:
        """The pictures bumped so far (output order), each returned once."""
        out, self._out = self._out, []
        return out

    def flush(self) -> list[DpbPicture]:
        """End of the bitstream: output every picture still needed for output (POC order)
        and empty the DPB.  Returns the pending output, output_ready() included."""
        if self.current is not None:
            raise RuntimeError("flush() with a picture being decoded")
        while any(p.needed_for_output for p in self.pictures):
            self._bump()
        self.pictures = []
        return self.output_ready()

    def end_of_sequence(self) -> None:
        """An end of sequence NAL unit: every picture still needed for output is bumped (as
        HM's decoder does; take them with output_ready()), the DPB is emptied and the next
        picture starts a coded video sequence (NoRaslOutputFlag = 1)."""
        if self.current is not None:
            raise RuntimeError("end_of_sequence() with a picture being decoded")
        while any(p.needed_for_output for p in self.pictures):
            self._bump()
        self.pictures = []
        self.first_in_sequence = True
