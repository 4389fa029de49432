-- Email providers: the big consumer mailbox domains. A domain one typo away from exactly
-- one of them (hotmial.com, yaho.com, gmail.con, icloud.co) is that provider mistyped, the
-- way mail checkers suggest a correction when someone signs up; emails are compared with
-- the domain corrected. Only domains with a distinctive name (five letters or more before
-- the suffix) are listed: one letter away from a short one (aol.com, wp.pl) is as likely
-- another real provider.
select domain
from (
    values
        ('gmail.com'), ('googlemail.com'), ('yahoo.com'), ('yahoo.co.uk'), ('yahoo.fr'), ('yahoo.de'), ('yahoo.es'),
        ('hotmail.com'), ('hotmail.co.uk'), ('hotmail.fr'), ('hotmail.de'), ('hotmail.es'), ('hotmail.it'),
        ('outlook.com'), ('outlook.de'), ('icloud.com'), ('comcast.net'), ('verizon.net'), ('sbcglobal.net'),
        ('proton.me'), ('protonmail.com'), ('btinternet.com'), ('interia.pl'), ('orange.fr'), ('laposte.net'),
        ('yandex.ru'), ('naver.com'), ('bigpond.com'), ('rogers.com'), ('telus.net'), ('libero.it')
) as providers(domain)
where length(split_part(domain, '.', 1)) >= 5
