"""Numba cache locators that know dlvc's module dependencies (see ``_stamps``): a cached
function is stale when its module or any dlvc module it imports has changed."""
import os

from numba.core import caching

from ._stamps import PACKAGE, dependency_stamp


class _DependencyStamp:
    def get_source_stamp(self):
        return dependency_stamp(self._py_file)

    @classmethod
    def from_function(cls, py_func, py_file):
        if not os.path.abspath(py_file).startswith(PACKAGE + os.sep):
            return None
        return super().from_function(py_func, py_file)


class UserProvided(_DependencyStamp, caching.UserProvidedCacheLocator):
    """NUMBA_CACHE_DIR, when set."""


class InTree(_DependencyStamp, caching.InTreeCacheLocator):
    """__pycache__ next to the source."""


class UserWide(_DependencyStamp, caching.UserWideCacheLocator):
    """The user's cache folder, when the package folder is not writable."""


def install():
    classes = caching.CacheImpl._locator_classes
    for cls in (UserWide, InTree, UserProvided):
        if cls not in classes:
            classes.insert(0, cls)
