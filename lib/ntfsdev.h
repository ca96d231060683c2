/* stub: ntfsdev */
