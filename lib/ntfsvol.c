/* stub: ntfsvol */
