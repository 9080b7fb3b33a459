# SLAB_CHECK_CURSES
# -----------------
# Find a curses library for slabtop: the wide-character ncursesw through
# pkg-config first, then plain ncurses, then a bare library search for
# systems without .pc files.  Sets CURSES_CFLAGS, CURSES_LIBS and CURSES_PKG.
AC_DEFUN([SLAB_CHECK_CURSES], [
  PKG_CHECK_MODULES([CURSES], [ncursesw], [CURSES_PKG=ncursesw], [
    PKG_CHECK_MODULES([CURSES], [ncurses], [CURSES_PKG=ncurses], [
      slab_save_LIBS=$LIBS
      AC_SEARCH_LIBS([initscr], [ncursesw ncurses curses],
        [CURSES_LIBS=$LIBS CURSES_CFLAGS= CURSES_PKG=$ac_cv_search_initscr],
        [AC_MSG_ERROR([curses not found; on Debian: apt-get install libncurses-dev])])
      LIBS=$slab_save_LIBS])])
  AC_SUBST([CURSES_PKG])
])
