/* stub: partition */
