/* stub: blockmap */
