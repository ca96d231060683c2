/* stub: windows */
