"""Unit tests of src/trainer/torch/torchvision_model.py, run by test/trainer/torchvisionModel.test.ts with
/usr/bin/python3 (Debian's python3-torch and python3-torchvision). No network: every state dict is
saved here from a randomly initialised torchvision model."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "..", "src", "trainer", "torch", "torchvision_model.py")
sys.dont_write_bytecode = True  # no __pycache__ beside the shipped script
sys.path.insert(0, os.path.dirname(SCRIPT))

import torch  # noqa: E402
import torchvision  # noqa: E402
import torchvision_model as tvm  # noqa: E402


class Build(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def save(self, model, name):
        path = os.path.join(self.tmp.name, name)
        torch.save(model.state_dict(), path)
        return path

    def test_classifier_replaced_per_family(self):
        cases = {"resnet18": ("fc", 64), "mobilenet_v3_small": ("classifier.3", 64), "efficientnet_b0": ("classifier.1", 64),
                 "squeezenet1_1": ("classifier.1", 64), "vit_b_32": ("heads.head", 224), "densenet121": ("classifier", 64)}
        for name, (head, size) in cases.items():
            with self.subTest(name=name):
                model, info = tvm.build(name, None, 7)
                self.assertEqual(info["classifier"], head)
                model.eval()
                with torch.no_grad():
                    self.assertEqual(tuple(model(torch.zeros(2, 3, size, size)).shape), (2, 7))

    def test_state_dict_with_another_class_count_loads_without_the_classifier(self):
        source = torchvision.models.resnet18()  # 1000 classes, random init
        path = self.save(source, "r18.pth")
        model, info = tvm.build("resnet18", path, 5)
        self.assertFalse(info["classifier_loaded"])
        self.assertEqual(model.fc.out_features, 5)
        theirs = source.state_dict()
        for k, v in model.state_dict().items():
            if not k.startswith("fc."):
                self.assertTrue(torch.equal(v, theirs[k]), k)

    def test_state_dict_with_the_same_class_count_loads_the_classifier_too(self):
        source = torchvision.models.resnet18(num_classes=5)
        path = self.save(source, "r18-5.pt")
        model, info = tvm.build("resnet18", path, 5)
        self.assertTrue(info["classifier_loaded"])
        self.assertTrue(torch.equal(model.fc.weight, source.fc.weight))

    def test_state_dict_of_another_builder_is_refused(self):
        path = self.save(torchvision.models.resnet34(), "r34.pth")
        with self.assertRaises(tvm.UserFacingError) as e:
            tvm.build("resnet18", path, 5)
        self.assertEqual(e.exception.kind, "weights-mismatch")
        self.assertIn("not in the model", str(e.exception))

    def test_a_file_that_is_no_state_dict_is_refused(self):
        path = os.path.join(self.tmp.name, "notes.pth")
        with open(path, "w") as f:
            f.write("not a tensor file")
        with self.assertRaises(tvm.UserFacingError) as e:
            tvm.build("resnet18", path, 5)
        self.assertEqual(e.exception.kind, "weights-file")

    def test_unknown_builder_suggests_the_closest(self):
        with self.assertRaises(tvm.UserFacingError) as e:
            tvm.build("resnet19", None, 5)
        self.assertEqual(e.exception.kind, "unknown-builder")
        self.assertIn("did you mean resnet18", str(e.exception))

    def test_unknown_weights_name_lists_the_known_ones(self):
        with self.assertRaises(tvm.UserFacingError) as e:
            tvm.build("resnet18", "IMAGENET1K_V9", 5)
        self.assertEqual(e.exception.kind, "unknown-weights")
        self.assertIn("IMAGENET1K_V1", str(e.exception))


class Modules(unittest.TestCase):
    def test_rows_are_top_level_children_with_counts_and_shapes(self):
        model, _ = tvm.build("resnet18", None, 5)
        rows = tvm.modules(model, [3, 32, 32])
        names = [n for n, _ in model.named_children()]
        self.assertEqual([r["label"] for r in rows], names)
        self.assertEqual(names[:4] + names[-2:], ["conv1", "bn1", "relu", "maxpool", "avgpool", "fc"])
        for r, child in zip(rows, model.children()):
            self.assertEqual(r["params"], sum(p.numel() for p in child.parameters()))
            self.assertEqual(r["params"], sum(p["count"] for layer in r["layers"] for p in layer["params"]))
        self.assertEqual(rows[0]["outShape"], [64, 16, 16])
        self.assertEqual(rows[-1]["outShape"], [5])
        self.assertEqual([r["name"] for r in rows], [f"model.{i}" for i in range(len(rows))])
        self.assertIn("model.4.0.conv1", [layer["name"] for layer in rows[4]["layers"]])

    def test_too_small_an_input_is_a_user_error(self):
        model, _ = tvm.build("vgg11", None, 5)
        with self.assertRaises(tvm.UserFacingError) as e:
            tvm.modules(model, [3, 16, 16])
        self.assertEqual(e.exception.kind, "input-size")
        self.assertIn("train.imgsz", str(e.exception))


class Input(unittest.TestCase):
    def test_grey_batches_are_repeated_over_three_channels(self):
        grey = torch.rand(2, 1, 8, 8)
        rgb = tvm.as_rgb(grey)
        self.assertEqual(tuple(rgb.shape), (2, 3, 8, 8))
        self.assertTrue(torch.equal(rgb[:, 2], grey[:, 0]))
        colour = torch.rand(2, 3, 8, 8)
        self.assertIs(tvm.as_rgb(colour), colour)


class Freeze(unittest.TestCase):
    def test_freeze_n_freezes_children_0_to_n_minus_1_and_keeps_their_batch_norm_in_eval(self):
        model, _ = tvm.build("resnet18", None, 5)
        frozen = tvm.apply_freeze(model, 5)  # conv1, bn1, relu, maxpool, layer1
        for n, p in model.named_parameters():
            self.assertEqual(p.requires_grad, n.split(".")[0] not in ("conv1", "bn1", "layer1"), n)
        tvm.set_train_mode(model, frozen)
        self.assertFalse(model.bn1.training)
        self.assertFalse(model.layer1[0].bn1.training)
        self.assertTrue(model.layer2[0].bn1.training)
        self.assertTrue(model.fc.training)

    def test_a_list_freezes_indices_and_names_below_children(self):
        model, _ = tvm.build("resnet18", None, 5)
        tvm.apply_freeze(model, [0, "model.5.0.conv1"])
        frozen = sorted(n for n, p in model.named_parameters() if not p.requires_grad)
        self.assertEqual(frozen, ["conv1.weight", "layer2.0.conv1.weight"])


class Cli(unittest.TestCase):
    def run_script(self, *args):
        r = subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)
        return r.returncode, json.loads(r.stdout)

    def test_inspect_prints_json(self):
        code, out = self.run_script("inspect", "--name", "resnet18", "--num-classes", "3", "--input", "3,32,32")
        self.assertEqual(code, 0)
        self.assertEqual(out["classifier"], "fc")
        self.assertEqual(out["classifierIndex"], 9)
        self.assertEqual(out["totalParams"], sum(m["params"] for m in out["modules"]))

    def test_inspect_checks_torchvision_weights_without_downloading_them(self):
        with tempfile.TemporaryDirectory() as home:  # an empty torchvision cache; no network here
            env = dict(os.environ, TORCH_HOME=home)
            ok = subprocess.run([sys.executable, SCRIPT, "inspect", "--name", "resnet18", "--weights", "DEFAULT", "--num-classes", "3", "--input", "3,32,32"], capture_output=True, text=True, env=env)
            self.assertEqual(ok.returncode, 0, ok.stderr)
            self.assertEqual(os.listdir(home), [])
            bad = subprocess.run([sys.executable, SCRIPT, "inspect", "--name", "resnet18", "--weights", "IMAGENET1K_V9", "--num-classes", "3", "--input", "3,32,32"], capture_output=True, text=True, env=env)
            self.assertEqual(bad.returncode, 2)
            self.assertEqual(json.loads(bad.stdout)["error"]["kind"], "unknown-weights")

    def test_inspect_error_is_json_with_exit_status_2(self):
        code, out = self.run_script("inspect", "--name", "resnet19", "--num-classes", "3", "--input", "3,32,32")
        self.assertEqual(code, 2)
        self.assertEqual(out["error"]["kind"], "unknown-builder")


if __name__ == "__main__":
    unittest.main()
