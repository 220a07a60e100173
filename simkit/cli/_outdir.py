"""The command line's all-or-nothing output writing: `simkit.outputs`, under the name the commands used first."""

from simkit.outputs import Outputs, check_file_target, check_target, output_set, remove_debris, write_file

__all__ = ["Outputs", "check_file_target", "check_target", "output_set", "remove_debris", "write_file"]
