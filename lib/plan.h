/* stub: plan */
