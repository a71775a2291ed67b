"""nanocim.cost: the technology (defaults, overrides, checks naming the field, file round trip,
bad files refused naming the field), the chip's counts against the closed forms of cost.h for
MLP and CNN shapes, 2T2R, 1T1R and SECDED, energies as counts times the technology's constants,
the processor baselines, the comparison (reports, text table, JSON document), and the inference
energy and latency the Monte Carlo and the sweep report with a technology of their own."""

import copy
import csv
import ctypes
import json
import math
import os
import pickle
import unittest

import numpy as np

import test_support  # sets the thread count
from test_support import TempDir
import nanocim
from nanocim import _lib, chip, cost, rram

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "data")


def random_model(arch, shape=(1, 8, 8), seed=5):
    """A model with random binary weights: an untrained network, folded."""
    return nanocim.Network(arch, shape, 4, seed=seed).fold()


def labelled_by(model, n=100, seed=4):
    """n images of the quadrant task labelled with the model's own predictions."""
    img, _ = test_support.quadrant_images(n, seed=seed, size=model.input_shape[1])
    pred, _ = model.predict(img)
    return nanocim.Dataset.from_arrays(img, pred, n_classes=4)


def setUpModule():
    global MLP, CNN
    MLP = random_model("mlp:48,32", seed=5)          # 64 -> 48 -> 32 -> 4
    CNN = random_model("cnn:4,p,6,f12", seed=7)      # conv 4 + pool, conv 6, dense 12, 4


def shape(L):
    """(K, N, P, b) of a layer: fan-in, neurons, output positions, bit planes."""
    P = L.sums_shape[1] * L.sums_shape[2] if L.kind == "conv" else 1
    return L.fan_in, L.out, P, 8 if L.first else 1


def closed_form(model, rows, cols):
    """Per layer, the chip's counts (2T2R, no ECC) and cycles from cost.h's closed forms."""
    out = []
    for L in model.layers:
        K, N, P, b = shape(L)
        rt, ct = -(-K // rows), -(-N // cols)
        ho, wo = L.output_shape[1:]
        c = dict.fromkeys(cost.ITEMS, 0)
        c["sense"] = c["precharge"] = c["bit_line"] = K * N * b * P
        c["device_read"] = 2 * K * N * b * P             # two devices per 2T2R cell
        c["word_line"] = ct * K * b * P                  # ceil(N / cols) K b P row reads
        c["xnor"] = c["popcount"] = K * N * b * P
        # partial sums of the row tiles and the bit planes' weighing; the class layer also
        # offsets and scales its N scores (one addition each, cost.c)
        c["add"] = (rt - 1) * N * b * P + (b - 1) * N * P + (2 * N if L.last else 0)
        c["compare"] = N - 1 if L.last else N * P + (3 * N * ho * wo if L.pool else 0)
        c["activation"] = (8 * int(np.prod(L.input_shape)) if L.first else 0) + \
            (0 if L.last else N * ho * wo)
        out.append((c, min(rows, K) * b * P))
    return out


class TestStructs(unittest.TestCase):
    def test_cost_structs_are_checked_against_the_library(self):
        mirrored = {cls._c_name_: cls for cls in _lib.STRUCTS}
        for name in ("ncm_tech", "ncm_cost_part", "ncm_cost_report", "ncm_cost_study"):
            with self.subTest(struct=name):
                self.assertIn(name, mirrored)
                self.assertEqual(ctypes.sizeof(mirrored[name]),
                                 _lib.lib.ncm_struct_size(name.encode()))

    def test_item_names_are_the_library_s(self):
        self.assertEqual(len(cost.ITEMS), _lib.NCM_COST_N_ITEMS)
        self.assertEqual(cost.ITEMS[:2], ("device_read", "sense"))
        self.assertEqual(cost.ITEMS[-1], "act_fetch")
        self.assertIsNone(_lib.lib.ncm_cost_item_name(_lib.NCM_COST_N_ITEMS))


class TestTech(TempDir):
    def test_default_is_the_shipped_technology_file(self):
        t = cost.Tech()
        self.assertEqual((t.name, t.node_nm, t.e_sense_pj), ("cmos-45nm-hfo2", 45.0, 0.01))
        d = _lib.Tech()
        _lib.lib.ncm_tech_default(ctypes.byref(d))
        self.assertEqual(bytes(t._s), bytes(d))
        self.assertEqual(cost.Tech.load(os.path.join(DATA_DIR, "tech_45nm.json")), t)
        # every field where the file says (the mirror's layout, field by field)
        with open(os.path.join(DATA_DIR, "tech_45nm.json")) as f:
            doc = json.load(f)
        for attr, field in cost.Tech.FILE_FIELDS.items():
            if attr != "name":
                group, key = field.split(".")
                self.assertEqual(getattr(t, attr), doc[group][key], attr)

    def test_overrides_attributes_and_as_dict(self):
        t = cost.Tech(e_sense_pj=0.02, name="mine")
        self.assertEqual((t.e_sense_pj, t.name, t.e_precharge_pj), (0.02, "mine", 0.004))
        d = t.as_dict()
        self.assertEqual(list(d), ["name"] + list(_lib.TECH_FIELDS))
        self.assertEqual(d["e_sense_pj"], 0.02)
        t.e_add_pj = 0.5
        self.assertEqual(t.e_add_pj, 0.5)
        self.assertEqual(t.replace(e_add_pj=1).e_add_pj, 1.0)
        self.assertEqual(t.e_add_pj, 0.5)
        self.assertEqual(pickle.loads(pickle.dumps(t)), t)
        self.assertEqual(copy.deepcopy(t), t)
        self.assertNotEqual(t, cost.Tech())
        with self.assertRaisesRegex(nanocim.ArgumentError, "unknown field 'e_snese_pj'"):
            cost.Tech(e_snese_pj=1)
        with self.assertRaisesRegex(nanocim.ArgumentError, "e_add_pj 'x': expected a number"):
            t.e_add_pj = "x"

    def test_values_out_of_range_raise_naming_the_field_and_are_not_kept(self):
        cases = [(dict(e_sense_pj=-1), 'technology: field "array.e_sense_pj" must be >= 0, '
                                       'found -1'),
                 (dict(t_cycle_ns=0), 'technology: field "array.t_cycle_ns" must be > 0'),
                 (dict(clock_ghz=math.inf), 'technology: field "processor.clock_ghz" must be '
                                            'a finite number, found inf'),
                 (dict(transfer_mm=math.nan), 'technology: field "logic.transfer_mm"')]
        for kwargs, prefix in cases:
            with self.subTest(**{k: repr(v) for k, v in kwargs.items()}):
                with self.assertRaises(nanocim.ArgumentError) as cm:
                    cost.Tech(**kwargs)
                self.assertTrue(str(cm.exception).startswith(prefix), str(cm.exception))
        t = cost.Tech()
        with self.assertRaisesRegex(nanocim.ArgumentError, '"array.e_word_line_pj"'):
            t.e_word_line_pj = -0.5
        self.assertEqual(t, cost.Tech())     # the old value kept
        self.assertIs(t.check(), t)

    def test_save_load_round_trip(self):
        t = cost.Tech(name="odd", e_sense_pj=0.1 + 0.2, a_gate_um2=1 / 3, transfer_mm=0)
        t.save(self.path("t.json"))
        back = cost.Tech.load(self.path("t.json"))
        self.assertEqual(back, t)
        self.assertEqual(back.e_sense_pj, 0.1 + 0.2)   # exactly
        self.assertEqual(bytes(back._s), bytes(t._s))
        with open(self.path("t.json")) as f:
            doc = json.load(f)
        self.assertEqual((doc["format"], doc["name"], doc["array"]["e_sense_pj"]),
                         ("nanocim-tech", "odd", 0.1 + 0.2))

    def altered(self, group, key, value):
        """The default file with group.key set to value (deleted when None), its path."""
        cost.Tech().save(self.path("base.json"))
        with open(self.path("base.json")) as f:
            doc = json.load(f)
        if value is None:
            del doc[group][key]
        else:
            doc[group][key] = value
        path = self.path("bad.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def test_bad_files_raise_naming_the_field(self):
        cases = [(("array", "e_sense_pj", -0.01), nanocim.ArgumentError,
                  'field "array.e_sense_pj" must be >= 0, found -0.01'),
                 (("logic", "e_add_pj", None), nanocim.FormatError,
                  'missing field "logic.e_add_pj"'),
                 (("area", "a_cell_3t3r_um2", 1), nanocim.FormatError,
                  'unknown field "area.a_cell_3t3r_um2"'),
                 (("node", "vdd_v", "0.9"), nanocim.FormatError, "must be a number")]
        for (group, key, value), exc, text in cases:
            with self.subTest(field=f"{group}.{key}"):
                path = self.altered(group, key, value)
                with self.assertRaises(exc) as cm:
                    cost.Tech.load(path)
                self.assertIn(text, str(cm.exception))
                self.assertIn("bad.json", str(cm.exception))
        with self.assertRaises(nanocim.FileError):
            cost.Tech.load(self.path("none.json"))
        with self.assertRaises(nanocim.FileError):
            cost.Tech().save(self.path(os.path.join("nope", "t.json")))

    def test_a_path_or_a_tech_is_accepted_where_a_technology_is_expected(self):
        cost.Tech(e_sense_pj=1).save(self.path("t.json"))
        a = cost.chip(MLP, tech=self.path("t.json"))
        b = cost.chip(MLP, tech=cost.Tech(e_sense_pj=1))
        self.assertEqual(a.total_pj, b.total_pj)
        with self.assertRaisesRegex(nanocim.ArgumentError, "tech int: expected a "
                                                           "nanocim.cost.Tech"):
            cost.chip(MLP, tech=3)


class TestChipCost(unittest.TestCase):
    def test_counts_are_the_closed_forms(self):
        for name, model, rows, cols in (("mlp", MLP, 16, 16), ("mlp", MLP, 32, 32),
                                        ("cnn", CNN, 8, 4)):
            with self.subTest(model=name, rows=rows, cols=cols):
                r = cost.chip(model, chip.Config(rows=rows, cols=cols))
                self.assertEqual((r.name, r.arch, r.n_layers), ("2T2R", "chip",
                                                                len(model.layers)))
                want = closed_form(model, rows, cols)
                for l, (counts, cycles) in enumerate(want):
                    self.assertEqual(r.layers[l].count, counts, f"layer {l}")
                    self.assertEqual(r.layers[l].cycles, cycles, f"layer {l}")
                    np.testing.assert_array_equal(r.counts[l], [counts[k] for k in cost.ITEMS])
                for k in cost.ITEMS:
                    self.assertEqual(r.count[k], sum(c[k] for c, _ in want), k)
                self.assertEqual(r.cycles, sum(cy for _, cy in want))
                self.assertEqual(r.count["sense"],
                                 sum(K * N * b * P for K, N, P, b in map(shape, model.layers)))
                self.assertEqual(r.ops, sum(2 * K * N * P for K, N, P, _ in
                                            map(shape, model.layers)))
                np.testing.assert_array_equal(r.counts.sum(axis=0), r.total.counts)

    def test_secded_senses_whole_code_words(self):
        # 16 columns of (13, 8) words: 2 words and 10 check cells per row; 48 and 32 neurons
        # fill their column tiles, the class layer's 4 use one word of each row.
        cfg = chip.Config(rows=16, cols=16, storage="1t1r-secded:8")
        mp = chip.map_model(MLP, cfg)
        r = cost.chip(MLP, cfg)
        self.assertEqual(r.name, "1T1R+SECDED(13,8)")
        self.assertEqual((mp["words_per_row"], mp["check_per_row"]), (2, 10))
        for l, L in enumerate(MLP.layers):
            K, N, P, b = shape(L)
            ct = mp["layers"][l]["col_tiles"]
            cells, words = (ct * 26, ct * 2) if N % 16 == 0 else (13, 1)
            self.assertEqual(r.layers[l].count["sense"], cells * K * b * P)
            self.assertEqual(r.layers[l].count["device_read"], cells * K * b * P)  # 1T1R
            self.assertEqual(r.layers[l].count["ecc"], words * K * b * P)
            self.assertEqual(r.layers[l].count["xnor"], K * N * b * P)

    def test_energies_are_counts_times_the_technology(self):
        t = cost.Tech(e_sense_pj=0.013, e_bit_line_pj=0.0031, transfer_mm=2.5, e_gate_pj=0.002)
        for storage in ("2t2r", "1t1r", "1t1r-secded:8"):
            with self.subTest(storage=storage):
                r = cost.chip(CNN, chip.Config(rows=8, cols=4, storage=storage), tech=t)
                act = t.e_reg_bit_pj + t.e_wire_bit_mm_pj * t.transfer_mm
                unit = {"sense": t.e_sense_pj, "precharge": t.e_precharge_pj,
                        "word_line": t.e_word_line_pj, "bit_line": t.e_bit_line_pj,
                        "popcount": t.e_popcount_bit_pj, "add": t.e_add_pj,
                        "compare": t.e_compare_pj, "activation": act,
                        "xnor": 0.0 if storage == "2t2r" else t.e_gate_pj,
                        "multiply": 0.0, "weight_fetch": 0.0, "act_fetch": 0.0}
                for l, part in enumerate(r.layers):  # a layer's: count x constant exactly
                    for k, u in unit.items():
                        self.assertEqual(part.energy_pj[k], part.count[k] * u, f"{l} {k}")
                    self.assertAlmostEqual(part.total_pj, sum(part.energy_pj.values()),
                                           delta=1e-12 * part.total_pj)
                for k, u in unit.items():   # the total's: the layers' sum
                    self.assertAlmostEqual(r.energy_pj[k], r.count[k] * u,
                                           delta=1e-12 * r.energy_pj[k], msg=k)
                self.assertAlmostEqual(r.total_pj, sum(p.total_pj for p in r.layers),
                                       delta=1e-12 * r.total_pj)
                self.assertEqual((r.energy_pj["ecc"] > 0), storage == "1t1r-secded:8")

    def test_device_reads_cost_v_squared_t_over_r(self):
        cfg = chip.Config(mode="devices", i_cc_ua=30, rows=16, cols=16)
        t = cost.Tech(v_read_v=0.2, t_read_ns=1.5)
        r = cost.chip(MLP, cfg, tech=t)
        st = rram.stats(i_cc_ua=30)
        e = [t.v_read_v ** 2 * t.t_read_ns / math.exp(st[k]) * 1e3 for k in ("mu_lrs", "mu_hrs")]
        self.assertAlmostEqual(r.energy_pj["device_read"], r.count["sense"] * (e[0] + e[1]),
                               delta=1e-12 * r.energy_pj["device_read"])
        # 1T1R: a +1 weight reads an LRS, a -1 an HRS
        r1 = cost.chip(MLP, cfg.replace(storage="1t1r"), tech=t)
        want = 0.0
        for L in MLP.layers:
            K, N, P, b = shape(L)
            plus = int((L.weights == 1).sum())
            want += b * P * (plus * e[0] + (K * N - plus) * e[1])
        self.assertAlmostEqual(r1.energy_pj["device_read"], want, delta=1e-12 * want)

    def test_latency_area_programming_and_figures_of_merit(self):
        t = cost.Tech(t_cycle_ns=3.0, t_logic_ns=1.0)
        cfg = chip.Config(rows=8, cols=4)
        r = cost.chip(CNN, cfg, tech=t)
        mp = chip.map_model(CNN, cfg)
        for l, L in enumerate(CNN.layers):
            _, _, P, _ = shape(L)
            self.assertEqual(r.layers[l].latency_ns, r.layers[l].cycles * 3.0 + P * 1.0)
        self.assertAlmostEqual(r.latency_ns, sum(p.latency_ns for p in r.layers), places=9)
        self.assertEqual(r.throughput_per_s, 1e9 / max(p.latency_ns for p in r.layers))
        self.assertEqual(r.inferences_per_j, 1e12 / r.total_pj)
        self.assertEqual(r.tops_per_w, r.ops / r.total_pj)
        T = mp["total"]
        self.assertAlmostEqual(r.area_cells_mm2, T["data_cells"] * t.a_cell_2t2r_um2 * 1e-6,
                               delta=1e-15)
        periph = (T["sense_amps"] * (t.a_sense_um2 + t.a_popcount_um2)
                  + T["arrays"] * 8 * t.a_row_decoder_um2) * 1e-6
        self.assertAlmostEqual(r.area_periphery_mm2, periph, delta=1e-12)
        self.assertEqual(r.area_mm2, r.area_cells_mm2 + r.area_periphery_mm2)
        # programming: a SET and a RESET per 2T2R cell; 1T1R: a SET per +1 weight
        weights = sum(L.fan_in * L.out for L in CNN.layers)
        self.assertEqual((r.program_sets, r.program_resets), (weights, weights))
        self.assertGreater(r.program_pj, 0)
        self.assertGreater(r.program_ns, 0)
        r1 = cost.chip(CNN, cfg.replace(storage="1t1r"))
        plus = sum(int((L.weights == 1).sum()) for L in CNN.layers)
        self.assertEqual((r1.program_sets, r1.program_resets), (plus, weights - plus))

    def test_sense_energy_follows_the_technology(self):
        a = cost.chip(MLP, tech=cost.Tech(e_sense_pj=0.01))
        b = cost.chip(MLP, tech=cost.Tech(e_sense_pj=0.05))
        self.assertEqual(a.count, b.count)
        self.assertAlmostEqual(b.total_pj - a.total_pj, 0.04 * a.count["sense"],
                               delta=1e-9 * a.total_pj)

    def test_storage_name_config_and_bad_arguments(self):
        self.assertEqual(cost.chip(MLP, "1t1r").name, "1T1R")
        self.assertEqual(cost.chip(MLP, rram.Storage("1t1r-secded")).name,
                         cost.chip(MLP, chip.Config(storage="1t1r-secded")).name)
        self.assertEqual(cost.chip(MLP).count, cost.chip(MLP, chip.Config()).count)
        with self.assertRaisesRegex(nanocim.ArgumentError, r"^rows = 100: larger than every "
                                                           r"layer's fan-in \(largest 64\)"):
            cost.chip(MLP, chip.Config(rows=100))
        with self.assertRaisesRegex(nanocim.ArgumentError, "model ndarray"):
            cost.chip(np.zeros(3))
        with self.assertRaisesRegex(nanocim.ArgumentError, "config int"):
            cost.chip(MLP, 3)

    def test_report_is_a_copy_with_read_only_arrays(self):
        r = cost.chip(MLP)
        self.assertFalse(r.counts.flags.writeable)
        self.assertEqual(r.counts.shape, (3, len(cost.ITEMS)))
        self.assertEqual(r.energies_pj.dtype, np.float64)
        d = r.as_dict()
        self.assertEqual(d["total"]["count"]["sense"], r.count["sense"])
        self.assertEqual(len(d["layers"]), 3)
        json.dumps(d)  # plain values
        self.assertIn("2T2R (chip)", repr(r))


class TestProcessor(unittest.TestCase):
    def test_bnn_counts_bit_packed_words(self):
        for arch, name in (("sram-bnn", "SRAM-BNN"), ("DRAM-BNN", "DRAM-BNN")):
            with self.subTest(arch=arch):
                r = cost.processor(CNN, arch)
                self.assertEqual((r.name, r.arch), (name, arch.lower()))
                t = cost.Tech()
                e_fetch = t.e_dram_word_pj if "dram" in arch.lower() else t.e_sram_weight_word_pj
                for l, L in enumerate(CNN.layers):
                    K, N, P, b = shape(L)
                    W = -(-K // 64)
                    n = r.layers[l].count
                    self.assertEqual(n["weight_fetch"], N * W)
                    self.assertEqual(n["xnor"], N * W * b * P)
                    self.assertEqual(n["popcount"], N * W * b * P)
                    self.assertEqual(n["sense"] + n["multiply"] + n["word_line"], 0)
                    self.assertEqual(r.layers[l].energy_pj["weight_fetch"],
                                     N * W * e_fetch)
                self.assertEqual((r.program_sets, r.program_pj), (0, 0.0))
                self.assertEqual(r.ops, cost.chip(CNN, chip.Config(rows=8, cols=4)).ops)

    def test_float_counts_a_multiply_and_an_add_per_weight_use(self):
        r = cost.processor(MLP, "sram-float")
        t = cost.Tech()
        for l, L in enumerate(MLP.layers):
            K, N, P, _ = shape(L)
            n = r.layers[l].count
            self.assertEqual(n["multiply"], K * N * P)
            self.assertEqual(n["weight_fetch"], -(-K * N // 2))   # two float32 per word
            self.assertEqual(r.layers[l].energy_pj["multiply"], K * N * P * t.e_fmul_pj)
            self.assertEqual(n["xnor"], 0)

    def test_dram_area_is_off_chip_and_sram_area_its_cells(self):
        t = cost.Tech()
        bits = sum(L.fan_in * L.out for L in MLP.layers)
        sram = cost.processor(MLP, "sram-bnn")
        self.assertAlmostEqual(sram.area_mm2, bits * t.a_sram_bit_um2 * 1e-6, delta=1e-15)
        self.assertAlmostEqual(cost.processor(MLP, "sram-float").area_mm2,
                               32 * bits * t.a_sram_bit_um2 * 1e-6, delta=1e-14)
        for arch in ("dram-bnn", "dram-float"):
            r = cost.processor(MLP, arch)
            self.assertTrue(math.isnan(r.area_mm2), arch)
            self.assertEqual(r.area_cells_mm2, 0.0)
            self.assertIn("off-chip", repr(r))
        self.assertTrue(math.isnan(sram.area_periphery_mm2))

    def test_bad_architectures_raise(self):
        for arch in ("chip", "gpu", 1, None):
            with self.subTest(arch=arch):
                with self.assertRaisesRegex(nanocim.ArgumentError, "^arch .*: expected one of "
                                                                   '"sram-bnn"'):
                    cost.processor(MLP, arch)


class TestCompare(TempDir):
    CONFIGS = [chip.Config(rows=16, cols=16), chip.Config(rows=16, cols=16, storage="1t1r"),
               chip.Config(rows=16, cols=16, storage="1t1r-secded:8")]

    def test_reports_are_the_chips_then_the_four_baselines(self):
        t = cost.Tech(e_sense_pj=0.02)
        for n in (1, 3):
            with self.subTest(configs=n):
                s = cost.compare(MLP, self.CONFIGS[:n], tech=t)
                self.assertEqual((len(s), s.n_chips, len(s.chips), len(s.baselines)),
                                 (4 + n, n, n, 4))
                self.assertEqual([r.name for r in s.baselines],
                                 ["SRAM-BNN", "DRAM-BNN", "SRAM-float", "DRAM-float"])
                for r, cfg in zip(s.chips, self.CONFIGS):
                    one = cost.chip(MLP, cfg, tech=t)
                    self.assertEqual((r.name, r.total_pj, r.count), (one.name, one.total_pj,
                                                                     one.count))
                for r in s.baselines:
                    self.assertEqual(r.total_pj, cost.processor(MLP, r.arch, tech=t).total_pj)
                self.assertEqual(s.tech, t)
                self.assertTrue(math.isnan(s["DRAM-float"].area_mm2))
                self.assertIs(s[0], s.reports[0])
                self.assertIs(s[-1], s["dram-float"])
        with self.assertRaises(KeyError):
            s["TPU"]

    def test_table_is_the_library_s_text(self):
        s = cost.compare(MLP, self.CONFIGS)
        text = s.table()
        self.assertTrue(text.startswith("technology: cmos-45nm-hfo2 (45 nm)\n"), text[:80])
        for name in ("2T2R", "1T1R+SECDED(13,8)", "SRAM-BNN", "DRAM-float", "off-chip"):
            self.assertIn(name, text)
        self.assertIn("2T2R: energy of one inference by item", text)
        self.assertEqual(text, s.table())   # the stream is fresh every time

    def test_json_document_holds_every_report(self):
        s = cost.compare(MLP, self.CONFIGS)
        s.save_json(self.path("cost.json"), model_name="m.ncm")
        with open(self.path("cost.json")) as f:
            doc = json.load(f)
        self.assertEqual((doc["format"], doc["model"], doc["producer"]),
                         ("nanocim-cost", "m.ncm", "nanocim " + nanocim.version()))
        self.assertEqual(doc["technology"]["array"]["e_sense_pj"], s.tech.e_sense_pj)
        self.assertEqual(len(doc["architectures"]), len(s))
        for a, r in zip(doc["architectures"], s):
            self.assertEqual((a["name"], a["kind"]), (r.name, r.arch))
            self.assertEqual(a["energy_pj"], r.total_pj)
            self.assertEqual(a["latency_ns"], r.latency_ns)
            self.assertEqual(a["ops"], r.ops)
            self.assertEqual(a["area_mm2"], None if math.isnan(r.area_mm2) else r.area_mm2)
            for l, part in enumerate(a["layers"]):
                for k in cost.ITEMS:
                    self.assertEqual(part["items"][k]["count"], r.layers[l].count[k])
                    self.assertEqual(part["items"][k]["energy_pj"], r.layers[l].energy_pj[k])
            if r.arch == "chip":
                self.assertEqual(a["programming"]["sets"], r.program_sets)
                self.assertEqual(a["programming"]["time_ns"], r.program_ns)
        bad = self.path(os.path.join("nope", "cost.json"))
        with self.assertRaises(nanocim.FileError) as cm:
            s.save_json(bad)
        self.assertIn(bad, str(cm.exception))

    def test_one_config_storage_names_and_bad_configs(self):
        self.assertEqual([r.name for r in cost.compare(MLP).chips], ["2T2R"])
        self.assertEqual([r.name for r in cost.compare(MLP, "1t1r").chips], ["1T1R"])
        self.assertEqual([r.name for r in cost.compare(MLP, ["2t2r", "1t1r"]).chips],
                         ["2T2R", "1T1R"])
        with self.assertRaisesRegex(nanocim.ArgumentError, "configs \\[\\]"):
            cost.compare(MLP, [])
        with self.assertRaisesRegex(nanocim.ArgumentError, "^configs\\[1\\] float"):
            cost.compare(MLP, [chip.Config(), 1.5])
        with self.assertRaisesRegex(nanocim.ArgumentError, "^n_configs = 65: expected 1 to 64"):
            cost.compare(MLP, ["2t2r"] * 65)
        with self.assertRaisesRegex(nanocim.ArgumentError, "^rows = 100"):
            cost.compare(MLP, [chip.Config(), chip.Config(rows=100)])


class TestInferenceCostOfRuns(TempDir):
    def test_monte_carlo_reports_the_inference_cost_of_its_technology(self):
        data = labelled_by(MLP)
        cfg = chip.Config(ber=0.01, rows=16, cols=16)
        base = chip.monte_carlo(MLP, data, cfg, chips=2)
        r = cost.chip(MLP, cfg)
        self.assertEqual(base.inference_energy_pj, r.total_pj)
        self.assertEqual(base.inference_latency_ns, r.latency_ns)
        self.assertIsNone(base.tech)
        t = cost.Tech(e_sense_pj=0.11, t_cycle_ns=5)
        mc = chip.monte_carlo(MLP, data, cfg, chips=2, tech=t)
        self.assertIs(mc.tech, t)
        self.assertAlmostEqual(mc.inference_energy_pj - base.inference_energy_pj,
                               (0.11 - 0.01) * r.count["sense"], delta=1e-9 * r.total_pj)
        self.assertEqual(mc.inference_energy_pj, cost.chip(MLP, cfg, tech=t).total_pj)
        self.assertGreater(mc.inference_latency_ns, base.inference_latency_ns)
        np.testing.assert_array_equal(mc.accuracy, base.accuracy)   # the chips are the same
        mc.save_json(self.path("mc.json"))
        with open(self.path("mc.json")) as f:
            self.assertEqual(json.load(f)["summary"]["inference_energy_pj"],
                             mc.inference_energy_pj)
        t.save(self.path("t.json"))
        self.assertEqual(chip.monte_carlo(MLP, data, cfg, chips=1,
                                          tech=self.path("t.json")).inference_energy_pj,
                         mc.inference_energy_pj)
        with self.assertRaisesRegex(nanocim.ArgumentError,
                                    "^tech float: expected a nanocim.cost.Tech"):
            chip.monte_carlo(MLP, data, cfg, chips=1, tech=1.5)

    def test_sweep_records_carry_the_inference_cost(self):
        data = labelled_by(MLP, n=50)
        t = cost.Tech(e_precharge_pj=0.03)
        table = chip.sweep(MLP, data, chip.Config(rows=16, cols=16),
                           axes=[("storage", ["2t2r", "1t1r-secded:8"]), ("ber", [0.0, 0.01])],
                           chips=2, tech=t)
        pts = table.points
        self.assertIn("inference_energy_pj", pts.dtype.names)
        self.assertIn("inference_latency_ns", pts.dtype.names)
        for i in range(table.n_points):
            r = cost.chip(MLP, table.config(i), tech=t)
            self.assertEqual(pts["inference_energy_pj"][i], r.total_pj)
            self.assertEqual(pts["inference_latency_ns"][i], r.latency_ns)
            self.assertEqual(table.point(i)["inference_energy_pj"], r.total_pj)
        self.assertEqual(pts["inference_energy_pj"][0], pts["inference_energy_pj"][1])
        self.assertGreater(pts["inference_energy_pj"][2], pts["inference_energy_pj"][0])
        self.assertEqual(table.rows()[3]["inference_energy_pj"], pts["inference_energy_pj"][3])
        table.save_csv(self.path("s.csv"))
        with open(self.path("s.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([float(r["inference_energy_pj"]) for r in rows],
                         list(pts["inference_energy_pj"]))
        default = chip.sweep(MLP, data, chip.Config(rows=16, cols=16), axes=[("ber", [0.0])],
                             chips=1)
        self.assertEqual(default.points["inference_energy_pj"][0],
                         cost.chip(MLP, chip.Config(rows=16, cols=16)).total_pj)


if __name__ == "__main__":
    unittest.main()
