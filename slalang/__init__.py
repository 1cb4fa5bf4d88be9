"""slalang: service-level agreements as code.

The pipeline, one named function per stage (each also a CLI verb)::

    source --parse--> syntax tree --check--> Policy --compile_plan--> Plan
           --evaluate--> outcomes --render_contract / render_report--> text
"""

__version__ = "0.1.0"

from slalang.businesstime import Calendar  # noqa: E402
from slalang.model import Policy  # noqa: E402

__all__ = ["Calendar", "Policy", "__version__"]
