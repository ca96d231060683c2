/* stub: drivers */
