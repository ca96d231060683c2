/* stub: hive */
