/* stub: overlay */
