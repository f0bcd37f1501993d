//! Lossless, Postfix-exact model of main.cf and master.cf.
