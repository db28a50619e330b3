# Runs many gcloud command lines through the real gcloud CLI object in one Python process (gcloud spends most
# of a call starting up): one JSON argv per stdin line in, one {"code", "stderr"} per stdout line out. It is
# gcloud's own entry point (gcloud.py, gcloud_main.CreateCLI, cli.Execute), so the argument parser, the exit
# codes (2 for an argument error, 1 for "no active account") and the messages are those of `gcloud ...`.
# Used by test/deploy/contract.test.ts; argv[1] is the SDK's lib directory.
import json
import os
import sys
import tempfile

sys.path.insert(0, sys.argv[1])
import gcloud  # noqa: E402  puts the vendored third_party packages on sys.path, as the real entry point does

gcloud._fix_google_module()
from googlecloudsdk import gcloud_main  # noqa: E402
from googlecloudsdk.core.credentials import creds_context_managers  # noqa: E402

cli = gcloud_main.CreateCLI([])
real_stdout = os.fdopen(os.dup(1), 'w')
real_stderr = os.dup(2)

for raw in sys.stdin:
    argv = json.loads(raw)
    with tempfile.TemporaryFile() as captured:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(captured.fileno(), 1)
        os.dup2(captured.fileno(), 2)
        code = 0
        try:
            # As gcloud_main.main() does: the credential providers (impersonation among them) around the call.
            with creds_context_managers.CredentialProvidersManager(None):
                cli.Execute(argv)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException as e:  # a crash is reported, not hidden
            code = 98
            sys.stderr.write('gcloud-parse: %r\n' % (e,))
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(real_stderr, 2)
        captured.seek(0)
        text = captured.read().decode('utf-8', 'replace')
    real_stdout.write(json.dumps({'code': code, 'stderr': text}) + '\n')
    real_stdout.flush()
