/* stub: registry */
