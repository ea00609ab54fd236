# -*- Python -*-
# GoogleTest binaries of qc, run through lit.

import os
import lit.formats

config.name = "QC-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.qc_obj_root, "test", "Unit")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
