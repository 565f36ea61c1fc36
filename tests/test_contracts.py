"""What release_tasks uses of twine and bump-my-version, checked against the installed
versions: a new major that renames or reshapes one fails here, naming the library and the
name, instead of in the middle of a user's release. pyproject.toml pins both below their
next major."""

from __future__ import annotations

import importlib
import inspect
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from release_tasks.core.config import read_toml

ROOT = Path(__file__).resolve().parent.parent

# "module:attribute.attribute": the parameters release_tasks passes (in its order where it
# passes them by position), or None for a name only read or subclassed.
TWINE = {
    "twine.utils:get_config": ["path"],
    "twine.utils:get_repository_from_config": ["config_file", "repository", "repository_url"],
    "twine.utils:normalize_repository_url": ["url"],
    "twine.utils:DEFAULT_CONFIG_FILE": None,
    "twine.utils:get_cacert": ["cli_value", "config"],
    "twine.utils:get_clientcert": ["cli_value", "config"],
    "twine.utils:make_requests_session": [],
    "twine.utils:sanitize_url": ["url"],
    "twine.auth:Resolver": ["config", "input"],
    "twine.auth:Resolver.username": None,
    "twine.auth:Resolver.password": None,
    "twine.auth:Resolver.username_from_keyring_or_prompt": ["self"],
    "twine.auth:Resolver.get_username_from_keyring": ["self"],
    "twine.auth:Resolver.get_password_from_keyring": ["self"],
    "twine.auth:Resolver.prompt": ["self", "what", "how"],
    "twine.auth:CredentialInput": ["username", "password"],
    "twine.package:PackageFile.from_filename": ["filename", "comment"],
    "twine.package:PackageFile.metadata_dictionary": ["self"],
    "twine.exceptions:TwineException": None,
    "twine.exceptions:InvalidConfiguration": None,
    "twine.exceptions:InvalidDistribution": None,
    "twine.exceptions:NonInteractive": None,
}
BUMP_MY_VERSION = {
    "bumpversion.config:get_configuration": ["config_file"],
    "bumpversion.config:check_current_version": ["config"],
    "bumpversion.config.files:read_toml_file": ["file_path"],
    "bumpversion.config.files:update_config_file": ["config_file", "config", "current_version",
                                                    "new_version", "context", "dry_run"],
    "bumpversion.config.files_legacy:read_ini_file": ["file_path"],
    "bumpversion.config.files_legacy:update_ini_config_file": ["config_file",
                                                               "current_version",
                                                               "new_version", "dry_run"],
    "bumpversion.config.models:Config.model_copy": None,
    "bumpversion.config.models:Config.version_config": None,
    "bumpversion.context:get_context": ["config", "current_version", "new_version"],
    "bumpversion.bump:get_next_version": ["current_version", "config", "version_part",
                                          "new_version"],
    "bumpversion.files:modify_files": ["files", "current_version", "new_version", "context",
                                       "dry_run"],
    "bumpversion.files:resolve_file_config": ["files", "version_config"],
    "bumpversion.hooks:get_setup_hook_env": ["config", "current_version"],
    "bumpversion.hooks:get_pre_commit_hook_env": ["config", "current_version", "new_version"],
    "bumpversion.hooks:get_post_commit_hook_env": ["config", "current_version", "new_version"],
    "bumpversion.hooks:hook_context": ["config", "current_version", "new_version"],
    "bumpversion.hooks:format_hooks": ["hooks", "context"],
    "bumpversion.hooks:has_shell_syntax": ["script"],
    "bumpversion.scm.models:SCMConfig.from_config": ["config"],
    "bumpversion.scm.models:SCMConfig.get_version_from_tag": ["self", "tag"],
    "bumpversion.exceptions:BumpVersionError": None,
}
# Attributes of bump-my-version's SCMInfo that release_tasks sets for the repository it
# names (versioning/inrepo.py), and what its templates and hooks read of them.
SCM_INFO = ("commit_sha", "short_commit_sha", "distance_to_latest_tag", "current_version",
            "current_tag", "branch_name", "short_branch_name", "repository_root", "dirty")


def lookup(dotted: str) -> object:
    module, _, attrs = dotted.partition(":")
    found: object = importlib.import_module(module)
    for attr in attrs.split("."):
        found = getattr(found, attr)
    return found


def check(library: str, names: dict[str, list[str] | None]) -> list[str]:
    broken = []
    for dotted, params in names.items():
        try:
            found = lookup(dotted)
        except (ImportError, AttributeError):
            broken.append(f"{library} {version(library)} has no {dotted}")
            continue
        if params is None:
            continue
        try:
            have = list(inspect.signature(found).parameters)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if have[:len(params)] != params:
            broken.append(f"{library} {version(library)}: {dotted} takes {have}, "
                          f"release_tasks passes {params}")
    return broken


@pytest.mark.parametrize(("library", "names"), [("twine", TWINE),
                                                ("bump-my-version", BUMP_MY_VERSION)])
def test_the_names_release_tasks_uses_exist_with_the_parameters_it_passes(library, names):
    assert check(library, names) == []


def test_bump_my_version_s_scm_info_and_values_are_what_release_tasks_reads():
    from bumpversion.scm.models import SCMInfo
    from bumpversion.versioning.functions import ValuesFunction

    set_by_init = SCMInfo.__init__.__code__.co_names
    missing = [n for n in SCM_INFO if n not in set_by_init]
    assert missing == [], f"bump-my-version's SCMInfo no longer sets {missing}"
    assert ValuesFunction(["dev", "rc", "final"])._values == ["dev", "rc", "final"], \
        "bump-my-version's ValuesFunction no longer keeps its values in _values " \
        "(versioning/scheme.py compares versions with it)"


def test_both_are_pinned_below_their_next_major():
    pins = {Requirement(r).name: Requirement(r).specifier
            for r in read_toml(ROOT / "pyproject.toml")["project"]["dependencies"]}
    for library in ("twine", "bump-my-version"):
        major = int(version(library).split(".")[0])
        assert version(library) in pins[library], f"{library} {version(library)} is outside " \
            f"the pinned range {pins[library]}"
        assert f"{major + 1}.0" not in pins[library], \
            f"{library} is not pinned below {major + 1}: add <{major + 1} once it passes here"
